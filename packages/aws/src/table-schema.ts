/**
 * The single-table layout. Correctness never depends on DynamoDB TTL or transactions (the local
 * emulator has neither): uniqueness and idempotency use conditional writes, every expiring item
 * carries `expiresAt` (epoch seconds) that reads honour, and TTL only cleans up.
 *
 *   RP#{id}              RP                 replica        gsi1: OWNER#{owner}#RP  / {createdAt}#{id}
 *   INT#{id}             INT                integration    gsi1: OWNER#{owner}#INT / {createdAt}#{id}; gsi2: INTS / {createdAt}#{id}
 *   INT#{id}             STATS              message_count, last_message_at (no index: 1 write per reply)
 *   INT#{id}             CHAN#{chat}        a chat the bot was seen in
 *   BOT#{platform}#{bot} BOT                which integration holds a bot
 *   GATEWAY              {integration id}   which listener instance holds its Discord Gateway connection; the session
 *                                           it saved or handed over, to resume
 *   GATEWAY-HOLDER       {instance id}      until when a listener instance holds its leases (renewed each pass), its deadline
 *   PMSG#{identity}      PMSG               which integration took a platform message (platform + bot + key; no text;
 *                                           expires after 7 days), so a bot connected again answers it once
 *   RECONCILER           CURSOR             where the reconciler's walk over the integrations goes on next run
 *   DLV#{int}            {sentAt}#{key}     one platform message: claim, answer, parts sent, outcome;
 *                                           the partition newest-first is the activity log
 *                                           gsi1 (set only once answered): CONV#{int}#{conversation} / {sentAt}#{key}
 *   KEY#{sha256}         KEY                API key        gsi1: OWNER#{owner}#KEY / {createdAt}; gsi2: KEYS / {createdAt}
 *   IDEM#{owner}         {idempotency key}  a POST's claim, then its answer for replays (expires 24 h after the first request)
 *
 * Writes per answered one-part message: platform message 1, claim 1, done 1 (+1 into gsi1, the history), counters 1.
 */
export const TABLE_KEYS = {
  partitionKey: "pk",
  sortKey: "sk",
  indexes: {
    gsi1: { partitionKey: "gsi1pk", sortKey: "gsi1sk" },
    gsi2: { partitionKey: "gsi2pk", sortKey: "gsi2sk" },
  },
  ttlAttribute: "expiresAt",
} as const;
