// Draws Atelier's app icons (a palette-knife stroke on a violet field) as PNGs, with no
// dependencies: `node scripts/gen-icons.mjs` writes public/icons/*.png.
import { mkdirSync, writeFileSync } from 'node:fs';
import { deflateSync } from 'node:zlib';

const CRC_TABLE = Array.from({ length: 256 }, (_, n) => {
  let c = n;
  for (let k = 0; k < 8; k++) c = c & 1 ? 0xedb88320 ^ (c >>> 1) : c >>> 1;
  return c >>> 0;
});
function crc32(buf) {
  let c = 0xffffffff;
  for (const b of buf) c = CRC_TABLE[(c ^ b) & 0xff] ^ (c >>> 8);
  return (c ^ 0xffffffff) >>> 0;
}
function chunk(type, data) {
  const out = Buffer.alloc(12 + data.length);
  out.writeUInt32BE(data.length, 0);
  out.write(type, 4, 'ascii');
  data.copy(out, 8);
  out.writeUInt32BE(crc32(out.subarray(4, 8 + data.length)), 8 + data.length);
  return out;
}
function png(size, pixel) {
  const raw = Buffer.alloc(size * (size * 4 + 1));
  for (let y = 0; y < size; y++) {
    raw[y * (size * 4 + 1)] = 0;
    for (let x = 0; x < size; x++) {
      const [r, g, b, a] = pixel(x / size, y / size);
      raw.set([r, g, b, a], y * (size * 4 + 1) + 1 + x * 4);
    }
  }
  const ihdr = Buffer.alloc(13);
  ihdr.writeUInt32BE(size, 0);
  ihdr.writeUInt32BE(size, 4);
  ihdr.set([8, 6, 0, 0, 0], 8);
  return Buffer.concat([
    Buffer.from([137, 80, 78, 71, 13, 10, 26, 10]),
    chunk('IHDR', ihdr),
    chunk('IDAT', deflateSync(raw, { level: 9 })),
    chunk('IEND', Buffer.alloc(0)),
  ]);
}
const mix = (a, b, t) => a.map((v, i) => Math.round(v + (b[i] - v) * t));
function artwork(u, v, { inset }) {
  const bg = mix([90, 47, 168], [196, 120, 255], (u + v) / 2);
  // Rounded square field (full bleed for maskable icons).
  const m = inset;
  const r = 0.18;
  const dx = Math.max(m + r - u, u - (1 - m - r), 0);
  const dy = Math.max(m + r - v, v - (1 - m - r), 0);
  if (dx * dx + dy * dy > r * r) return [0, 0, 0, 0];
  // A diagonal stroke of three paint colours.
  const d = (u - v) * 0.7071;
  const along = (u + v) / 2;
  if (Math.abs(d) < 0.09 && along > 0.25 && along < 0.75) {
    const band = d < -0.03 ? [255, 196, 87] : d < 0.03 ? [255, 111, 97] : [86, 204, 242];
    return [...band, 255];
  }
  return [...bg, 255];
}
mkdirSync('public/icons', { recursive: true });
writeFileSync(
  'public/icons/icon-192.png',
  png(192, (u, v) => artwork(u, v, { inset: 0.04 })),
);
writeFileSync(
  'public/icons/icon-512.png',
  png(512, (u, v) => artwork(u, v, { inset: 0.04 })),
);
writeFileSync(
  'public/icons/maskable-512.png',
  png(512, (u, v) => artwork(u, v, { inset: -1 })),
);
console.log('wrote public/icons/{icon-192,icon-512,maskable-512}.png');
