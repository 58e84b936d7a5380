/** Discord's epoch (2015-01-01): snowflakes count milliseconds from it in their top 42 bits. */
const DISCORD_EPOCH_MS = 1_420_070_400_000n;

/** When Discord created the object with this id (a validated snowflake: at most 20 digits). */
export function snowflakeTime(id: string): number {
  return Number((BigInt(id) >> 22n) + DISCORD_EPOCH_MS);
}
