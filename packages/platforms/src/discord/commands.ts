/** The commands a webhook-only Discord app is reached through (ordinary messages need the Gateway). */
export function replicaCommands(replicaName: string) {
  return [
    {
      name: "ask",
      type: 1,
      description: `Ask ${replicaName} a question`.slice(0, 100),
      contexts: [0],
      options: [{ type: 3, name: "question", description: "What do you want to ask?", required: true, max_length: 2000 }],
    },
    { name: `Ask ${replicaName}`.slice(0, 32), type: 3, contexts: [0] },
  ];
}

/** Permissions the bot needs: View Channel, Send Messages, Read Message History, Create Public Threads, Send Messages in Threads. */
export const BOT_PERMISSIONS = (1n << 10n) | (1n << 11n) | (1n << 16n) | (1n << 35n) | (1n << 38n);

export function inviteUrl(applicationId: string): string {
  return `https://discord.com/oauth2/authorize?client_id=${applicationId}&scope=bot%20applications.commands&permissions=${BOT_PERMISSIONS}`;
}
