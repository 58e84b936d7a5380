/** The API key lives in this tab's sessionStorage only: gone when the tab closes or on sign out, never in a URL. */
const KEY_ITEM = "patchbay.apiKey";

export function storedKey(): string | null {
  return sessionStorage.getItem(KEY_ITEM);
}

export function storeKey(key: string): void {
  sessionStorage.setItem(KEY_ITEM, key);
}

export function forgetKey(): void {
  sessionStorage.removeItem(KEY_ITEM);
}
