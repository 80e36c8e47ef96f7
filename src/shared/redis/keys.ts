/**
 * Every Redis key and channel name the system uses, built in one place (DESIGN §3), laid out for
 * Redis Cluster (issue 12): each key lives in one of three kinds of hash slot.
 *
 * - A region's slot, `{<region>}`: everything matchmaking and the rooms of the region touch together
 *   (queue, tickets, assignments, rooms, room servers): `RegionKeys`, from `keys.region(name)`. Every
 *   one of these keys is `<prefix>{<region>}:<name>`, so a region-scoped script gets that region
 *   prefix and builds its keys exactly as it did on one Redis, all in one slot.
 * - A player's slot, `{<player>}`: sessions and which region the player's ticket is in.
 * - Keys of their own (one key per command): device logins, the region indexes.
 *
 * The optional prefix lets several deployments share one Redis; it ends in ':' when set. Region
 * names are validated (src/shared/region.ts: a-z 0-9 '-'), so they never contain a brace.
 */
export class Keys {
  constructor(readonly prefix: string) {}

  /** The keys of one region, all in its slot. */
  region(name: string): RegionKeys {
    return new RegionKeys(`${this.prefix}{${name}}:`);
  }

  /**
   * ZSET: score = time (ms) of the region's latest enqueue, member = region: the regions the match loop
   * runs a pass for. An enqueue adds its region before it queues the player; a pass forgets a region
   * whose queue it found empty and whose latest enqueue is old.
   */
  activeRegions(): string {
    return `${this.prefix}match:regions`;
  }

  /**
   * HASH (TTL: renewed at each enqueue): region, gen: the region the player's latest ticket was put in,
   * and the generation of that choice (+1 at every change of region). Reads of a player's ticket go
   * to that region; see TicketStore for how a change of region is fenced.
   */
  playerRegion(playerId: string): string {
    return `${this.prefix}player:{${playerId}}:region`;
  }

  /** Pub/sub channel: message = ids (space-separated) of players whose ticket or assignment changed. */
  ticketEvents(): string {
    return `${this.prefix}match:events`;
  }

  /** STRING (TTL: DEVICE_TTL_SEC, renewed at each login): the player id a device logs in as. */
  device(deviceId: string): string {
    return `${this.prefix}device:${deviceId}`;
  }

  /**
   * ZSET (TTL: session lifetime): score = expiry (ms), member = session token, of every session of the
   * player; in the player's slot (hash tag), which a token names (`<player>.<secret>`).
   */
  playerSessions(playerId: string): string {
    return `${this.prefix}player_sessions:{${playerId}}`;
  }

  /**
   * HASH: field = address, value = region, of the latest registration of each room server address:
   * where to retire the address's old record when it registers in another region.
   */
  roomServerRegions(): string {
    return `${this.prefix}room_servers:region_of`;
  }

  /**
   * SET: every region a room server ever registered in. Bounded by the fleet (registering needs the
   * registry key), so these, and only these, become `region` label values of the queue metrics, and
   * the failover sweep looks at each.
   */
  servedRegions(): string {
    return `${this.prefix}room_servers:regions`;
  }
}

/** The keys of one region, all `<prefix>{<region>}:…`: one Redis Cluster slot. */
export class RegionKeys {
  /** `prefix`: the region prefix, what region-scoped Lua scripts build their other keys from. */
  constructor(readonly prefix: string) {}

  /** ZSET: score = MMR, member = player id, of the players queued in the region. */
  queue(): string {
    return `${this.prefix}match:queue`;
  }

  /** ZSET: score = enqueue time (ms), member = player id; drives time-outs and window widening. */
  waiting(): string {
    return `${this.prefix}match:waiting`;
  }

  /** HASH (TTL: as long as a ticket lasts): mmr, enqueued_at, gen: exists exactly while the player is in the queue. */
  ticket(playerId: string): string {
    return `${this.prefix}match:ticket:${playerId}`;
  }

  /**
   * STRING (TTL: as long as a ticket lasts): the highest player-region generation retired here: an
   * enqueue of an older or equal generation is refused (the player has moved to another region).
   */
  ticketFence(playerId: string): string {
    return `${this.prefix}match:fence:${playerId}`;
  }

  /**
   * HASH (TTL): status (timed_out, dequeued or ended) and changed_at: how the player's last ticket
   * ended. Cleared on enqueue. A queued player's status is its queue entry; an assigned one's, room_map.
   */
  outcome(playerId: string): string {
    return `${this.prefix}match:outcome:${playerId}`;
  }

  /**
   * STRING (TTL: as long as a ticket lasts): W3C traceparent of the span that queued the player,
   * written only when tracing is on, so the match can link to each player's enqueue.
   */
  enqueueTrace(playerId: string): string {
    return `${this.prefix}match:trace:${playerId}`;
  }

  /**
   * HASH (300 s TTL, refreshed by the room server's heartbeat): room_id, addr, opponent_id, slot,
   * assigned_at, enqueued_at, and epoch (the room's placement epoch; absent = 0) once the room moved.
   */
  roomMap(playerId: string): string {
    return `${this.prefix}room_map:${playerId}`;
  }

  /**
   * HASH: player_count, status, addr, region, left_id, right_id, created_at; epoch (placement epoch: +1 on
   * every move, absent = 0), moved_at and moved_from once moved, stranded_at while it waits for a
   * server with capacity; TTL only once ended.
   */
  roomInfo(roomId: string): string {
    return `${this.prefix}room:${roomId}:info`;
  }

  /** SET (short TTL): players who reported that they cannot reach the room's server. */
  roomUnreachable(roomId: string): string {
    return `${this.prefix}room:${roomId}:unreachable`;
  }

  /** STRING (binary WorldState, 30 s TTL): the room's latest checkpoint. */
  roomCheckpoint(roomId: string): string {
    return `${this.prefix}room:${roomId}:checkpoint`;
  }

  /** STREAM: one entry per finished game of the region. */
  roomResults(): string {
    return `${this.prefix}room:results`;
  }

  /** HASH (lease TTL): server_id, addr, region, capacity, status, reported load. */
  roomServer(addr: string): string {
    return `${this.prefix}room_server:${addr}`;
  }

  /** SET: ids of the rooms assigned to the server at this address. */
  roomServerRooms(addr: string): string {
    return `${this.prefix}room_server:${addr}:rooms`;
  }

  /** STRING (lease TTL): the address a server id was issued for. */
  roomServerLease(serverId: string): string {
    return `${this.prefix}room_server_lease:${serverId}`;
  }

  /** ZSET: score = rooms assigned, member = address of a server of the region accepting rooms. */
  roomServerLoad(): string {
    return `${this.prefix}room_servers:load`;
  }

  /**
   * ZSET: score = last heartbeat (ms), member = address of every server of the region that may still
   * own rooms; the failover sweep looks here for servers whose lease lapsed. An address leaves once it
   * owns nothing.
   */
  roomServersSeen(): string {
    return `${this.prefix}room_servers:seen`;
  }
}
