/**
 * Periodic repair of webhook registrations. A run walks the integrations from where the last one
 * stopped and stops itself with two minutes of its five left (packages/functions/src/reconciler.ts),
 * so any number of integrations is reached over successive runs. `sst.aws.Cron` is deprecated in
 * SST 4.17 in favour of `CronV2` (EventBridge Scheduler); both take `function` (`job` is the
 * deprecated spelling). No retries: the next run comes five minutes later and continues anyway.
 */
export function addReconciler(link: sst.aws.FunctionArgs["link"]) {
  return new sst.aws.CronV2("Reconciler", {
    schedule: "rate(5 minutes)",
    function: {
      handler: "packages/functions/src/reconciler.handler",
      timeout: "5 minutes",
      retries: 0,
      link,
    },
  });
}
