import { afterAll, beforeAll, expect, test } from "vitest";
import { BOB_KEY, startHarness } from "./harness.ts";
import type { Harness } from "./harness.ts";

/** GET /v1/replicas pages like the integrations list, through the real local stack. */

let h: Harness;
const created: string[] = [];

beforeAll(async () => {
  h = await startHarness();
  for (let i = 0; i < 7; i++) created.push((await h.api("POST", "/v1/replicas", { name: `Replica ${i}`, model: "echo" })).body.id);
  await h.api("POST", "/v1/replicas", { name: "Bob's", model: "echo" }, BOB_KEY);
});
afterAll(async () => {
  await h.close();
});

test("limit and cursor walk every replica once, oldest first; total counts them all; the last page's next_cursor is null", async () => {
  const seen: { id: string; created_at: string }[] = [];
  let cursor: string | null = null;
  let pages = 0;
  do {
    const query = `?limit=3${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ""}`;
    const page = await h.api("GET", `/v1/replicas${query}`);
    expect(page.status).toBe(200);
    expect(page.body.total).toBe(7);
    expect(page.body.data.length).toBeLessThanOrEqual(3);
    seen.push(...page.body.data);
    cursor = page.body.next_cursor;
    pages++;
  } while (cursor && pages < 10);
  expect(pages).toBe(3);
  expect(seen.map((r) => r.id).sort()).toEqual([...created].sort());
  // Oldest first (two created in the same millisecond may come in either order).
  expect(seen.map((r) => r.created_at)).toEqual(seen.map((r) => r.created_at).sort());
});

test("without limit a page holds up to 20, with next_cursor null when that is all", async () => {
  const page = await h.api("GET", "/v1/replicas");
  expect(page.body).toMatchObject({ total: 7, next_cursor: null });
  expect(page.body.data.map((r: { id: string }) => r.id).sort()).toEqual([...created].sort());
});

test("another owner sees only its own, and alice's cursor does not open bob's list", async () => {
  const bob = await h.api("GET", "/v1/replicas", undefined, BOB_KEY);
  expect(bob.body).toMatchObject({ total: 1, data: [{ name: "Bob's" }] });
  const alice = await h.api("GET", "/v1/replicas?limit=2");
  const crossed = await h.api("GET", `/v1/replicas?limit=2&cursor=${encodeURIComponent(alice.body.next_cursor)}`, undefined, BOB_KEY);
  expect(crossed.status).toBe(400);
  expect(crossed.body.error.fields).toEqual([{ field: "cursor", message: expect.any(String) }]);
});

test.each([
  ["limit=0", "limit"],
  ["limit=101", "limit"],
  ["limit=two", "limit"],
  ["cursor=made-up", "cursor"],
])("?%s is 400 VALIDATION_ERROR on %s", async (query, field) => {
  const answer = await h.api("GET", `/v1/replicas?${query}`);
  expect(answer.status).toBe(400);
  expect(answer.body.error.code).toBe("VALIDATION_ERROR");
  expect(answer.body.error.fields.map((f: { field: string }) => f.field)).toEqual([field]);
});
