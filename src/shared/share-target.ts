/**
 * Who may hand images to the share target (issue #20, defect 1). Any page can submit a form to
 * `/share-target`; only two senders are the artist's own doing:
 * - the studio itself (a same-origin form: `Origin` is our origin and the sending client is ours);
 * - the operating system's share sheet (a browser-initiated navigation: no sending client, and an
 *   `Origin` that is absent or "null").
 * Everything else (another site, with or without a referrer, or redirected through one) is refused
 * before a byte is kept. Even an accepted share is only held until the artist confirms the import.
 */

export interface ShareRequestFacts {
  /** The request's `Origin` header (null when absent). */
  origin: string | null;
  /** The service worker's own origin. */
  ownOrigin: string;
  /** FetchEvent.clientId: the document that sent the form, '' for a browser-initiated navigation. */
  clientId: string;
  /** Whether that client is one of ours (clients.get found it; it only finds same-origin clients). */
  clientIsOurs: boolean;
}

export type ShareVerdict =
  { ok: true; sender: 'studio' | 'system' } | { ok: false; reason: string };

/** Decides whether a POST to the share target came from the studio or from the OS share sheet. */
export function judgeShareRequest(facts: ShareRequestFacts): ShareVerdict {
  if (facts.clientId === '') {
    if (facts.origin === null || facts.origin === 'null' || facts.origin === facts.ownOrigin) {
      return { ok: true, sender: 'system' };
    }
    return { ok: false, reason: `sent from ${facts.origin}` };
  }
  if (facts.clientIsOurs && facts.origin === facts.ownOrigin) return { ok: true, sender: 'studio' };
  return { ok: false, reason: `sent from ${facts.origin ?? 'a page that hid its origin'}` };
}

/** The sentence the Library asks before importing shared images. */
export function sharePrompt(count: number): string {
  return count === 1
    ? '1 image was shared to Atelier — import it?'
    : `${count} images were shared to Atelier — import them?`;
}
