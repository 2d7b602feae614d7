/**
 * Structured JSON logs on stdout in the shape Cloud Logging understands
 * (`severity`, `message`, labels), one object per line.
 */

/** Cloud Logging severities used here. */
export type Severity = 'DEBUG' | 'INFO' | 'WARNING' | 'ERROR';

/** A logger bound to a set of labels (component, run id, ...). */
export interface Logger {
  debug(message: string, fields?: Record<string, unknown>): void;
  info(message: string, fields?: Record<string, unknown>): void;
  warn(message: string, fields?: Record<string, unknown>): void;
  error(message: string, fields?: Record<string, unknown>): void;
  /** A logger carrying these labels as well. */
  with(labels: Record<string, string | number>): Logger;
}

/** Where log lines go; stdout by default, an array in tests. */
export type LogSink = (line: string) => void;

const ORDER: Record<Severity, number> = { DEBUG: 0, INFO: 1, WARNING: 2, ERROR: 3 };

/** Creates a logger writing one JSON object per line to `sink`. */
export function createLogger(options: { component: string; minimumSeverity?: Severity; sink?: LogSink; labels?: Record<string, string | number> }): Logger {
  const sink = options.sink ?? ((line: string) => process.stdout.write(line + '\n'));
  const minimum = ORDER[options.minimumSeverity ?? 'INFO'];
  // Cloud Logging labels are strings: a numeric label (a shard) must match `labels.shard="N"` queries.
  const labels = Object.fromEntries(Object.entries({ component: options.component, ...options.labels }).map(([k, v]) => [k, String(v)]));
  const write = (severity: Severity, message: string, fields?: Record<string, unknown>) => {
    if (ORDER[severity] < minimum) return;
    sink(JSON.stringify({ severity, message, time: new Date().toISOString(), 'logging.googleapis.com/labels': labels, ...fields }));
  };
  return {
    debug: (m, f) => write('DEBUG', m, f),
    info: (m, f) => write('INFO', m, f),
    warn: (m, f) => write('WARNING', m, f),
    error: (m, f) => write('ERROR', m, f),
    with: (more) => createLogger({ ...options, labels: { ...options.labels, ...Object.fromEntries(Object.entries(more).map(([k, v]) => [k, String(v)])) } }),
  };
}
