import { credentials, status as GrpcStatus, type ClientReadableStream, type Metadata } from '@grpc/grpc-js';
import { Gauge, type Registry } from 'prom-client';
import { MatcherClient, type WatchAssignmentResponse } from '../gen/mini/matcher/v1/matcher.js';
import { matcherChannelOptions } from '../shared/grpc/client.js';
import { withTraceContext } from '../shared/telemetry/trace-context.js';
import { CancelPacer } from './cancel-pacer.js';
import { grpcError } from './http-status.js';

export interface WatchChannelsOptions {
  /** HTTP/2 connections to spread the watches over, each with its own cancellation budget. */
  channels: number;
  /** Deadline the Matcher is told for a whole stream: a backstop, the relay ends watches itself first. */
  streamDeadlineMs: number;
  /** Watches waiting for their cancellation; past it, new watches are refused UNAVAILABLE. */
  maxClosing: number;
  registry: Registry;
}

/** One connection to the Matcher: its streams (open, or waiting for their cancellation) and its budget. */
interface Lane {
  client: MatcherClient;
  pacer: CancelPacer;
  streams: number;
}

/**
 * Per connection, below what Node's HTTP/2 server lets a peer reset (a burst of 1,000, then 33 a
 * second): the rest of the budget is left for the resets grpc-js sends itself (deadlines).
 */
const cancelBudget = { ratePerSec: 25, burst: 500 };

/**
 * Matcher/WatchAssignment over connections of their own (unary calls never share them), each
 * cancelling its streams through a CancelPacer: one client opening and dropping watches as fast as
 * it can delays its own cancellations and never makes the Matcher end a connection other users'
 * streams are on.
 */
export class WatchChannels {
  private readonly lanes: Lane[];
  private readonly laneOf = new WeakMap<ClientReadableStream<WatchAssignmentResponse>, Lane>();

  constructor(
    address: string,
    private readonly options: WatchChannelsOptions,
  ) {
    // A local subchannel pool makes each client its own connection (grpc-js shares one otherwise).
    const channelOptions = { ...matcherChannelOptions, 'grpc.use_local_subchannel_pool': 1 };
    this.lanes = Array.from({ length: options.channels }, () => ({
      client: new MatcherClient(address, credentials.createInsecure(), channelOptions),
      pacer: new CancelPacer(cancelBudget),
      streams: 0,
    }));
    const closing = (): number => this.closing();
    new Gauge({
      name: 'gateway_watch_cancellations_waiting',
      help: 'Watch streams whose cancellation waits for the budget of its connection to the Matcher',
      registers: [options.registry],
      collect() {
        this.set(closing());
      },
    });
  }

  /**
   * Opens a watch on the connection with the fewest streams (the Matcher takes a bounded number on
   * each: MATCHER_MAX_STREAMS_PER_CONNECTION); refused (UNAVAILABLE) while too many wait to be cancelled.
   */
  open(metadata: Metadata): ClientReadableStream<WatchAssignmentResponse> {
    if (this.closing() >= this.options.maxClosing) throw grpcError(GrpcStatus.UNAVAILABLE, 'too many watches closing, retry later');
    const lane = this.lanes.reduce((least, l) => (l.streams < least.streams ? l : least));
    const call = lane.client.watchAssignment({}, withTraceContext(metadata), { deadline: Date.now() + this.options.streamDeadlineMs });
    lane.streams++;
    call.once('status', () => lane.streams--);
    lane.pacer.track(call);
    this.laneOf.set(call, lane);
    return call;
  }

  /** Ends a watch the gateway is done with: a cancellation, paced (none if the stream already ended). */
  release(call: ClientReadableStream<WatchAssignmentResponse>): void {
    this.laneOf.get(call)?.pacer.cancel(call);
  }

  /** Sends every waiting cancellation and closes the connections. */
  close(): void {
    for (const lane of this.lanes) {
      lane.pacer.flush();
      lane.client.close();
    }
  }

  private closing(): number {
    return this.lanes.reduce((sum, lane) => sum + lane.pacer.backlog, 0);
  }
}
