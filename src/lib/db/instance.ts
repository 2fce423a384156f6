/** The app's one open database; tests open their own with `openDb(name)`. */
import { openDb } from './schema';

export const db = openDb();
