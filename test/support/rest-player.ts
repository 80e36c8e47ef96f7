import { UdpPlayer, policies } from './udp-player.js';
import { eventually } from './wait.js';

/** What GET /match/status answered once assigned. */
export interface RestAssignment {
  room_id: string;
  room_addr: string;
  opponent_id: string;
  connect_token: string;
}

/** One answer the gateway gave. */
export interface SeenResponse {
  route: string;
  status: number;
  retryAfter: string | null;
}

/**
 * A player on the REST API behind the gateway, as a browser game would be: POST /session, POST
 * /match/enqueue, GET /match/status until assigned, then into the room over UDP. A 503 is retried
 * after its Retry-After; every answer is recorded, so a test can check what the gateway said.
 */
export class RestPlayer {
  token: string | undefined;
  playerId: string | undefined;
  readonly assignments: RestAssignment[] = [];
  readonly responses: SeenResponse[] = [];
  udp: UdpPlayer | undefined;
  private stopped = false;

  constructor(
    private readonly gatewayAddr: string,
    readonly deviceId: string,
    readonly mmr: number,
  ) {}

  /** Logs in, queues, waits for the assignment and connects to the room; within `deadlineMs`. */
  async play(deadlineMs: number): Promise<UdpPlayer> {
    const login = await this.call('POST', '/session', { device_id: this.deviceId });
    this.token = String(login.token);
    this.playerId = String(login.player_id);
    await this.call('POST', '/match/enqueue', { mmr: this.mmr });
    const assignment = await eventually('an assignment over REST', () => this.status(), deadlineMs, 50);
    this.assignments.push(assignment);
    // A fresh token per attempt: a handshake that timed out is tried again with the newest assignment.
    this.udp = await eventually('into the room over UDP', async () => {
      const current = (await this.status()) ?? assignment;
      if (current.room_id !== assignment.room_id) this.assignments.push(current);
      return UdpPlayer.connect(current.room_addr, current.connect_token, policies.track);
    }, deadlineMs, 50);
    return this.udp;
  }

  /** GET /match/status: the assignment, or undefined while not assigned (404). */
  async status(): Promise<RestAssignment | undefined> {
    const res = await this.call('GET', '/match/status');
    return res.room_id === undefined ? undefined : (res as unknown as RestAssignment);
  }

  /** Stops retrying and leaves the room. */
  stop(): void {
    this.stopped = true;
    this.udp?.close();
  }

  /** One call; 503 is retried after Retry-After, 404 answers an empty object, anything else non-2xx throws. */
  private async call(method: string, path: string, json?: unknown): Promise<Record<string, unknown>> {
    for (;;) {
      if (this.stopped) throw new Error('stopped');
      const headers: Record<string, string> = {};
      if (this.token !== undefined) headers.authorization = `Bearer ${this.token}`;
      if (json !== undefined) headers['content-type'] = 'application/json';
      const body = json === undefined ? undefined : JSON.stringify(json);
      const response = await fetch(`http://${this.gatewayAddr}${path}`, { method, headers, body });
      const text = await response.text();
      const retryAfter = response.headers.get('retry-after');
      this.responses.push({ route: `${method} ${path}`, status: response.status, retryAfter });
      if (response.ok) return text ? (JSON.parse(text) as Record<string, unknown>) : {};
      if (response.status === 404 && path === '/match/status') return {};
      if (response.status !== 503) throw new Error(`${method} ${path} answered ${response.status}: ${text}`);
      await new Promise((resolve) => setTimeout(resolve, Number(retryAfter ?? 1) * 1000));
    }
  }
}
