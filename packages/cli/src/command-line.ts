import { parseArgs } from "node:util";

/** The command was called wrongly: it exits 2 with the message and the usage, having opened nothing. */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = "UsageError";
  }
}

/** The command cannot do its job in the state things are in: it exits 1 with the message, which says what to do. */
export class CommandError extends Error {
  constructor(message: string, options?: ErrorOptions) {
    super(message, options);
    this.name = "CommandError";
  }
}

/** A tool's command line: its string options, and for each command the options it needs (the rest apply to every command). */
export interface ToolSpec<Option extends string, Command extends string> {
  options: readonly Option[];
  commands: Record<Command, readonly Option[]>;
}

export interface CommandLine<Option extends string, Command extends string> {
  command: Command;
  values: Partial<Record<Option, string>>;
}

/**
 * Reads `<command> [--option value…]` with util.parseArgs. Returns null when help is asked for (`--help`,
 * `-h` or `help`, wherever it appears); throws UsageError for anything else that does not fit the spec.
 */
export function parseCommandLine<Option extends string, Command extends string>(
  argv: string[],
  spec: ToolSpec<Option, Command>,
): CommandLine<Option, Command> | null {
  const options = { help: { type: "boolean", short: "h" }, ...Object.fromEntries(spec.options.map((name) => [name, { type: "string" }])) } as const;
  const loose = parseArgs({ args: argv, options, allowPositionals: true, strict: false, tokens: true });
  if (loose.positionals[0] === "help" || loose.tokens.some((token) => token.kind === "option" && token.name === "help")) return null;

  const commands = Object.keys(spec.commands) as Command[];
  let parsed: { values: Record<string, unknown>; positionals: string[] };
  try {
    parsed = parseArgs({ args: argv, options, allowPositionals: true, strict: true });
  } catch (error) {
    const code = (error as { code?: unknown }).code;
    if (typeof code === "string" && code.startsWith("ERR_PARSE_ARGS_")) throw new UsageError((error as Error).message);
    throw error;
  }
  const [command, ...extra] = parsed.positionals;
  if (command === undefined) throw new UsageError(`Name a command: ${commands.join(", ")}.`);
  if (!commands.includes(command as Command)) throw new UsageError(`Unknown command "${command}"; the commands are ${commands.join(", ")}.`);
  if (extra.length > 0) throw new UsageError(`Unexpected argument "${extra[0]}" after ${command}.`);

  const own = spec.commands[command as Command];
  const values = parsed.values as Partial<Record<Option, string>>;
  for (const name of own) {
    if (!values[name]) throw new UsageError(`${command} needs --${name}.`);
  }
  for (const name of spec.options) {
    const elsewhere = commands.some((other) => spec.commands[other].includes(name));
    if (values[name] !== undefined && elsewhere && !own.includes(name)) throw new UsageError(`--${name} is not an option of ${command}.`);
  }
  return { command: command as Command, values };
}

/**
 * Runs a tool's main on the process arguments: a UsageError prints itself and the usage (exit 2), a
 * CommandError prints itself (exit 1); anything else is a bug and prints its stack (exit 1).
 */
export function runTool(usage: string, main: (argv: string[]) => Promise<void>): void {
  main(process.argv.slice(2)).catch((error: unknown) => {
    if (error instanceof UsageError) {
      console.error(`${error.message}\n\n${usage}`);
      process.exit(2);
    }
    console.error(error instanceof CommandError ? error.message : error);
    process.exit(1);
  });
}
