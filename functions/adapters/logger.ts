/**
 * A structured logger that takes ids and codes only. It has no way to log a request body or an error
 * message, because either may carry a national ID or health details.
 */
type Field = string | number | boolean | undefined;

function write(level: "info" | "warn" | "error", message: string, fields: Record<string, Field>) {
  const line = JSON.stringify({ level, message, timestamp: new Date().toISOString(), ...fields });
  if (level === "error") console.error(line);
  else if (process.env.FRIST_QUIET !== "1") console.log(line);
}

export const logger = {
  info: (message: string, fields: Record<string, Field> = {}) => write("info", message, fields),
  warn: (message: string, fields: Record<string, Field> = {}) => write("warn", message, fields),
  /** Logs the error's name only: its message may quote data. */
  error: (message: string, error: unknown, fields: Record<string, Field> = {}) =>
    write("error", message, { ...fields, errorName: error instanceof Error ? error.name : typeof error }),
};
