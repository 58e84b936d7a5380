const ALPHABET = "0123456789abcdefghijklmnopqrstuvwxyz";

/** Random, URL-safe text of `length` characters from `alphabet` (unbiased). */
export function randomString(length: number, alphabet = ALPHABET): string {
  const out: string[] = [];
  const limit = 256 - (256 % alphabet.length);
  while (out.length < length) {
    for (const byte of globalThis.crypto.getRandomValues(new Uint8Array(length * 2))) {
      if (byte < limit && out.length < length) out.push(alphabet[byte % alphabet.length]!);
    }
  }
  return out.join("");
}

/** A new resource id such as `rp_3k9x…` or `int_8f2a…`. */
export function newId(prefix: "rp" | "int" | "req"): string {
  return `${prefix}_${randomString(16)}`;
}
