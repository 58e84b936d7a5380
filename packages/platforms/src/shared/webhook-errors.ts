import { NotFoundError, PatchbayError, UnauthorizedError } from "@patchbay/core";

/** Webhook failures, thrown for the HTTP layer to answer (401, 404, 400). */
export const webhookErrors = {
  unknownIntegration: (id: string) => new NotFoundError("integration", id),
  unverified: (what: string) => new UnauthorizedError(`The webhook request's ${what} does not verify.`),
  malformed: (what: string) => new PatchbayError("INVALID_JSON", `The webhook body is not ${what}.`),
};

/** The 2xx answer for a delivery that was handled (answered later, or deliberately ignored). */
export function acknowledged(): Response {
  return Response.json({ ok: true });
}
