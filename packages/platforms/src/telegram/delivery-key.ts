/** The identity of an update: its update_id, which Telegram keeps across redeliveries. */
export const updateKey = (updateId: number): string => `u${updateId}`;

