import {
  status as GrpcStatus,
  type Metadata,
  type MethodDefinition,
  type ServerUnaryCall,
  type ServerWritableStream,
  type ServiceDefinition,
  type UntypedHandleCall,
  type UntypedServiceImplementation,
  type handleServerStreamingCall,
  type handleUnaryCall,
  type sendUnaryData,
} from '@grpc/grpc-js';
import { context, SpanKind, SpanStatusCode, trace } from '@opentelemetry/api';
import { Counter, Histogram, type Registry } from 'prom-client';
import { extractFromMetadata, tracer } from '../telemetry/trace-context.js';

/** Seconds buckets for RPC latency: 0.5 ms to 5 s. */
const latencyBucketsSec = [0.0005, 0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5];

/**
 * Every call a gRPC server handles gets a server span (continuing the caller's trace from the
 * metadata) and is counted by method and status code with its duration. Applied to whole services,
 * so no handler has to remember it.
 */
export class GrpcServerTelemetry {
  private readonly handled: Counter<'grpc_method' | 'grpc_code'>;
  private readonly duration: Histogram<'grpc_method'>;

  constructor(registry: Registry) {
    this.handled = new Counter({
      name: 'grpc_server_handled_total',
      help: 'gRPC calls completed by the server, by method and status code',
      labelNames: ['grpc_method', 'grpc_code'],
      registers: [registry],
    });
    this.duration = new Histogram({
      name: 'grpc_server_handling_seconds',
      help: 'Time from a gRPC call arriving to its status (for streams: the whole stream), by method',
      labelNames: ['grpc_method'],
      buckets: latencyBucketsSec,
      registers: [registry],
    });
  }

  /** The implementation with every method observed. */
  wrap(definition: ServiceDefinition, implementation: UntypedServiceImplementation): UntypedServiceImplementation {
    const wrapped: UntypedServiceImplementation = {};
    for (const [name, handler] of Object.entries(implementation)) {
      const method = definition[name];
      wrapped[name] = method ? this.wrapMethod(method, handler) : handler;
    }
    return wrapped;
  }

  private wrapMethod(method: MethodDefinition<unknown, unknown>, handler: UntypedHandleCall): UntypedHandleCall {
    const name = method.path.replace(/^\//, '');
    if (!method.requestStream && !method.responseStream) return this.wrapUnary(name, handler as handleUnaryCall<unknown, unknown>);
    if (!method.requestStream) return this.wrapServerStream(name, handler as handleServerStreamingCall<unknown, unknown>);
    return handler;
  }

  private wrapUnary(name: string, handler: handleUnaryCall<unknown, unknown>): handleUnaryCall<unknown, unknown> {
    return (call: ServerUnaryCall<unknown, unknown>, callback: sendUnaryData<unknown>) => {
      const { active, finish } = this.begin(name, call.metadata);
      // The deadline passing, or the client giving up, ends the call before the handler answers.
      call.once('cancelled', () => finish(Date.now() >= deadlineMs(call) ? GrpcStatus.DEADLINE_EXCEEDED : GrpcStatus.CANCELLED));
      context.with(active, () =>
        handler(call, (err, value, trailer, flags) => {
          finish(err ? (err.code ?? GrpcStatus.UNKNOWN) : GrpcStatus.OK);
          callback(err, value, trailer, flags);
        }),
      );
    };
  }

  private wrapServerStream(name: string, handler: handleServerStreamingCall<unknown, unknown>): handleServerStreamingCall<unknown, unknown> {
    return (call: ServerWritableStream<unknown, unknown>) => {
      const { active, finish } = this.begin(name, call.metadata);
      // Before grpc-js's own error listener, which ends the call (and would count it as OK).
      call.prependOnceListener('error', (err: { code?: number }) => finish(err.code ?? GrpcStatus.UNKNOWN));
      call.once('cancelled', () => finish(GrpcStatus.CANCELLED));
      const end = call.end.bind(call);
      call.end = ((...args: Parameters<typeof end>) => {
        finish(GrpcStatus.OK);
        return end(...args);
      }) as typeof call.end;
      context.with(active, () => handler(call));
    };
  }

  /** Starts the span and the clock; `finish` records the status once (later calls are ignored). */
  private begin(name: string, metadata: Metadata) {
    const startedMs = performance.now();
    const parent = extractFromMetadata(metadata);
    const [service, rpc] = name.split('/');
    const span = tracer.startSpan(
      name,
      { kind: SpanKind.SERVER, attributes: { 'rpc.system': 'grpc', 'rpc.service': service, 'rpc.method': rpc } },
      parent,
    );
    let done = false;
    const finish = (code: number): void => {
      if (done) return;
      done = true;
      const codeName = GrpcStatus[code] ?? String(code);
      this.handled.inc({ grpc_method: name, grpc_code: codeName });
      this.duration.observe({ grpc_method: name }, (performance.now() - startedMs) / 1000);
      span.setAttribute('rpc.grpc.status_code', code);
      if (code !== GrpcStatus.OK) span.setStatus({ code: SpanStatusCode.ERROR, message: codeName });
      span.end();
    };
    return { active: trace.setSpan(parent, span), finish };
  }
}

/** When the call's deadline passes (ms since the epoch; Infinity when it has none). */
function deadlineMs(call: ServerUnaryCall<unknown, unknown>): number {
  const deadline = call.getDeadline();
  return deadline instanceof Date ? deadline.getTime() : deadline;
}
