/** The ISO time of a Slack ts (Unix seconds and microseconds); the schemas bound it to a representable date. */
export const slackTime = (ts: string): string => new Date(Math.floor(Number(ts) * 1000)).toISOString();
