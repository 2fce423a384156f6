import { describe, expect, it } from 'vitest';
import { judgeShareRequest, sharePrompt } from './share-target';

const own = 'https://atelier.example';

describe('judgeShareRequest', () => {
  it('accepts the studio itself and the OS share sheet', () => {
    expect(
      judgeShareRequest({ origin: own, ownOrigin: own, clientId: 'c1', clientIsOurs: true }),
    ).toEqual({ ok: true, sender: 'studio' });
    for (const origin of [null, 'null']) {
      expect(
        judgeShareRequest({ origin, ownOrigin: own, clientId: '', clientIsOurs: false }),
      ).toEqual({ ok: true, sender: 'system' });
    }
  });

  it('refuses another site, with a referrer, without one, or redirected through one', () => {
    const cases = [
      { origin: 'https://evil.example', clientId: 'c2', clientIsOurs: false },
      { origin: 'null', clientId: 'c2', clientIsOurs: false }, // referrerpolicy=no-referrer
      { origin: null, clientId: 'c2', clientIsOurs: false },
      { origin: own, clientId: 'c2', clientIsOurs: false }, // a forged header with a foreign client
      { origin: 'https://evil.example', clientId: '', clientIsOurs: false },
      { origin: 'null', clientId: 'c1', clientIsOurs: true }, // our page, but sandboxed content
    ];
    for (const c of cases) expect(judgeShareRequest({ ownOrigin: own, ...c }).ok).toBe(false);
  });
});

describe('sharePrompt', () => {
  it('says how many images came, in words', () => {
    expect(sharePrompt(3)).toMatchInlineSnapshot(
      `"3 images were shared to Atelier — import them?"`,
    );
    expect(sharePrompt(1)).toMatchInlineSnapshot(`"1 image was shared to Atelier — import it?"`);
  });
});
