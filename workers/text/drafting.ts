/**
 * Drafts and text checks in the text worker. The pronouncing dictionary (a 4.7 MB module, in the
 * precache for offline use) is imported the first time a draft or a check needs it, never before.
 */
import { composeDrafts, type DraftSet, type DraftTask } from '../../src/shared/write/drafts';
import { workFacts, type FactsInput } from '../../src/shared/write/facts';
import { makeLexicon, type Lexicon } from '../../src/shared/write/lexicon';
import { checkText, type TextCheck } from '../../src/shared/write/quality';

let lexicon: Promise<Lexicon> | undefined;

export function loadLexicon(): Promise<Lexicon> {
  lexicon ??= import('cmu-pronouncing-dictionary').then((m) => makeLexicon(m.dictionary));
  return lexicon;
}

export interface DraftRequest {
  task: DraftTask;
  input: FactsInput;
  /** The work's id: fixes the order of the candidates. */
  key: string;
  rhyme?: boolean;
}

export async function draft(request: DraftRequest): Promise<DraftSet> {
  return composeDrafts(request.task, workFacts(request.input), {
    key: request.key,
    lexicon: await loadLexicon(),
    ...(request.rhyme ? { rhyme: true } : {}),
  });
}

export async function check(task: DraftTask, text: string, facts: string[]): Promise<TextCheck> {
  return checkText(task, text, await loadLexicon(), facts);
}
