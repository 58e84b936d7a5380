/**
 * Discord's Gateway on AWS (README, "Discord's Gateway on AWS"): a function started every minute through
 * EventBridge Scheduler that may run Lambda's full 15 minutes. Whichever invocation holds a bot's lease keeps
 * its Gateway open and hands the session over before its limit; the others return at once, except the one
 * started just before a hand-over, which takes over. 256 MB: Node and the Gateway library idle at ~65 MB,
 * each connection adds well under 1 MB. No retries: the next start is a minute away.
 */
export function addDiscordListener(link: sst.aws.FunctionArgs["link"]) {
  return new sst.aws.CronV2("DiscordListener", {
    schedule: "rate(1 minute)",
    function: {
      handler: "packages/functions/src/discord-listener.handler",
      timeout: "15 minutes",
      memory: "256 MB",
      retries: 0,
      link,
    },
  });
}
