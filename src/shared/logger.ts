import { pino, type Logger } from 'pino';

/** Structured JSON logs on stdout, one line each, with the service name on every line. */
export function createLogger(service: string, level: string): Logger {
  return pino({ level, base: { service }, timestamp: pino.stdTimeFunctions.isoTime });
}

/** Logs where a service listens; printed at any log level, since operators and scripts rely on it. */
export function announceListening(log: Logger, service: string, host: string, port: number, fields: object = {}): void {
  log.child({}, { level: 'info' }).info({ host, port, ...fields }, `${service} listening on ${host}:${port}`);
}
