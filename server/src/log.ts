/**
 * Structured logs: one JSON object per line on stdout, which the node's log agent (Promtail/Fluent Bit on
 * K3s) ships without parsing rules. The trace id of the active span is added so a log line leads to its trace.
 */
import { trace } from '@opentelemetry/api';

export const LOG_LEVELS = ['debug', 'info', 'warn', 'error', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

type Fields = Readonly<Record<string, unknown>>;

export interface Logger {
  debug(msg: string, fields?: Fields): void;
  info(msg: string, fields?: Fields): void;
  warn(msg: string, fields?: Fields): void;
  error(msg: string, fields?: Fields): void;
}

export interface LogSink {
  write(line: string): unknown;
}

export function createLogger(level: LogLevel, sink: LogSink = process.stdout): Logger {
  const threshold = LOG_LEVELS.indexOf(level);
  const emit = (lvl: Exclude<LogLevel, 'silent'>, msg: string, fields?: Fields): void => {
    if (LOG_LEVELS.indexOf(lvl) < threshold) return;
    const span = trace.getActiveSpan()?.spanContext();
    const record: Record<string, unknown> = { time: new Date().toISOString(), level: lvl, msg, ...fields };
    if (span && span.traceId !== '00000000000000000000000000000000') {
      record.trace_id = span.traceId;
      record.span_id = span.spanId;
    }
    sink.write(`${JSON.stringify(record, errorReplacer)}\n`);
  };
  return {
    debug: (msg, fields) => emit('debug', msg, fields),
    info: (msg, fields) => emit('info', msg, fields),
    warn: (msg, fields) => emit('warn', msg, fields),
    error: (msg, fields) => emit('error', msg, fields),
  };
}

/** Errors have no enumerable properties; log their message (and stack for unexpected ones). */
function errorReplacer(_key: string, value: unknown): unknown {
  if (value instanceof Error) return { name: value.name, message: value.message, stack: value.stack };
  return value;
}
