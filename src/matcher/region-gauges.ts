import { sharedRead } from '../shared/metrics/scrape-read.js';
import type { MatchStore } from './match-store.js';
import type { RegionCounts, SharedStateSources } from './matcher-metrics.js';
import type { RoomServerStore } from './room-server-store.js';

/**
 * The `region` label value of everything not labelled by name: regions no room server ever registered
 * in (anyone may enqueue into a made-up region) and served regions past the cap. Not a valid region
 * name (it has '_'), so it never collides with one.
 */
export const otherRegionLabel = '_other';

/**
 * Most regions labelled by name. Only regions a room server registered in are (the fleet bounds
 * them); this caps even a misconfigured fleet.
 */
export const maxLabelledRegions = 50;

/**
 * The per-region gauges' sources, read from Redis at scrape time: regions of the fleet by name, every
 * other queued player summed under `_other`. So 10,000 made-up regions cost one series, not 10,000.
 */
export function regionGaugeSources(matches: MatchStore, servers: RoomServerStore): SharedStateSources {
  // The three gauges of a scrape read the served regions once.
  const servedRegions = sharedRead(() => servers.servedRegions());
  return {
    async labelledRegions(): Promise<string[]> {
      return (await servedRegions()).slice(0, maxLabelledRegions);
    },
    async queueSizes(): Promise<RegionCounts> {
      const served = await servedRegions();
      const labelled = served.slice(0, maxLabelledRegions);
      const named = new Set(labelled);
      const others = (await matches.activeRegions()).map(({ region }) => region).filter((region) => !named.has(region));
      const sizes = await matches.sizes([...labelled, ...others]);
      const counts: RegionCounts = new Map(labelled.map((region, i) => [region, sizes[i] ?? 0]));
      counts.set(otherRegionLabel, sizes.slice(labelled.length).reduce((sum, size) => sum + size, 0));
      return counts;
    },
    async liveRoomServers(): Promise<RegionCounts> {
      const served = await servedRegions();
      const live = await servers.countLive(served);
      const counts: RegionCounts = new Map();
      let other = 0;
      served.forEach((region, i) => {
        if (i < maxLabelledRegions) counts.set(region, live[i] ?? 0);
        else other += live[i] ?? 0;
      });
      counts.set(otherRegionLabel, other);
      return counts;
    },
  };
}
