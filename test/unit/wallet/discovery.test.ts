/** Wallet announcements are untrusted: names become short plain text, icons only data:image URIs. */
import { describe, expect, it } from 'vitest';
import { sanitizeInfo } from '../../../src/lib/wallet/discovery';

describe('sanitizeInfo', () => {
  it('keeps a normal wallet as announced', () => {
    const icon = 'data:image/svg+xml,<svg xmlns="http://www.w3.org/2000/svg"/>';
    expect(sanitizeInfo({ uuid: 'u-1', name: 'Studio Wallet', icon, rdns: 'org.example' })).toEqual(
      { id: 'u-1', name: 'Studio Wallet', icon, rdns: 'org.example' },
    );
  });

  it('drops icons that are not data:image URIs and shortens names', () => {
    const info = sanitizeInfo({
      uuid: 'u-2',
      name: `<img src=x onerror=alert(1)>${'x'.repeat(100)}`,
      icon: 'https://evil.example/i.png',
      rdns: 5,
    });
    expect(info.icon).toBeNull();
    expect(info.name.length).toBe(48);
    expect(info.name.startsWith('<img')).toBe(true); // shown as text, never as HTML
    expect(info.rdns).toBe('');
    expect(sanitizeInfo({ uuid: 'u-3', icon: 'javascript:alert(1)' }).icon).toBeNull();
    expect(sanitizeInfo({ uuid: 'u-4', name: '\u0000\u0007 ' }).name).toBe('Unnamed wallet');
  });
});
