import { describe, expect, test } from "vitest";
import { linkResources, settingsLink } from "./linked-resources.ts";

// Resource links are read once per process: this file runs alone, deployed with a public URL platforms cannot call.
linkResources({
  Table: { name: "t" },
  ResponderQueue: { url: "https://sqs.eu-west-1.amazonaws.com/1/q.fifo" },
  TenantSecrets: { prefix: "patchbay/test/" },
  Settings: settingsLink({ publicUrl: "http://localhost:3000" }),
});
const { InvalidSettingError, checkMaxReceives, checkPublicUrl, readAwsConfig } = await import("../src/config.ts");

test("a public URL platforms cannot call fails the cold start, naming the setting and where to fix it", () => {
  expect(() => readAwsConfig()).toThrow(InvalidSettingError);
  expect(() => readAwsConfig()).toThrow(/Setting "publicUrl" is "http:\/\/localhost:3000"; it must be a public HTTPS base URL.*infra\/settings\.ts/);
});

describe("maxReceives", () => {
  test.each([0, -1, 2.5, 1001, "5", null, undefined, Number.NaN])("%j is refused", (value) => {
    expect(() => checkMaxReceives(value)).toThrow(/Setting "maxReceives" .* must be a whole number from 1 to 1000/);
  });
  test.each([1, 5, 1000])("%j is kept", (value) => {
    expect(checkMaxReceives(value)).toBe(value);
  });
});

describe("publicUrl", () => {
  test.each(["http://api.example.com", "https://localhost", "https://10.0.0.7", "https://api.example.com/", "https://api.example.com?x=1", "not a url", "", 42])(
    "%j is refused",
    (value) => {
      expect(() => checkPublicUrl(value)).toThrow(/Setting "publicUrl"/);
    },
  );
  test.each(["https://abc123.execute-api.eu-west-1.amazonaws.com", "https://bots.example.com/patchbay"])("%j is kept", (value) => {
    expect(checkPublicUrl(value)).toBe(value);
  });
});
