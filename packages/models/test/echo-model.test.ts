import { describe, expect, test } from "vitest";
import { describeModelContract } from "@patchbay/testing/contracts";
import { createEchoModel } from "../src/echo-model.ts";

describeModelContract("echo", async () => ({ model: createEchoModel(), name: "" }));

describe("echo model", () => {
  test("is clearly marked as a development echo", async () => {
    expect(await createEchoModel().complete({ model: "", messages: [{ role: "user", content: "hi" }] })).toBe("[echo — development model, no AI] hi");
  });

  test("says which images came with the message, so the image path can be tried without a provider", async () => {
    const answer = await createEchoModel().complete({
      model: "",
      messages: [{ role: "user", content: "look", images: [{ mediaType: "image/png", data: new Uint8Array(5) }, { mediaType: "image/jpeg", data: "AQID" }] }],
    });
    expect(answer).toBe("[echo — development model, no AI] look [2 images: image/png, 5 bytes, image/jpeg, 3 bytes]");
  });
});
