import type * as v from "valibot";

/** How long the detail of an unexpected payload may get in the activity log. */
const DETAIL_MAX_CHARS = 200;
/** Path keys come from the body (record keys): only printable, short ones are named back. */
const PRINTABLE_KEY = /^[\x20-\x7e]{1,40}$/;

/**
 * Says where a body differs from what Patchbay reads, in words ("message.chat: expected an object").
 * The schemas' messages name what was expected; a missing field is said to be missing.
 */
export function issueDetail(root: string, issue: v.BaseIssue<unknown>): string {
  const keys = (issue.path ?? []).map((item) => String(item.key)).map((key) => (PRINTABLE_KEY.test(key) ? key : "…"));
  const where = [root, ...keys].filter((part) => part !== "").join(".") || "body";
  const what = issue.received === "undefined" ? "is missing" : `expected ${issue.message}`;
  return `${where}: ${what}`.slice(0, DETAIL_MAX_CHARS);
}
