/** SHA-256 as lowercase hex, with WebCrypto (browser, worker and Node alike). */
export async function sha256Hex(data: BufferSource | Blob): Promise<string> {
  const bytes = data instanceof Blob ? await data.arrayBuffer() : data;
  const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', bytes));
  let hex = '';
  for (const b of digest) hex += b.toString(16).padStart(2, '0');
  return hex;
}
