import { join } from 'node:path';

/** Where the committed provenance fixtures live. */
export const PROVENANCE_FIXTURES = join(import.meta.dirname, '..', 'fixtures', 'provenance');
