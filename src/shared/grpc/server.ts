import { Server, ServerCredentials, type ServiceDefinition, type UntypedServiceImplementation } from '@grpc/grpc-js';
import { loadSync } from '@grpc/proto-loader';
import { ReflectionService } from '@grpc/reflection';
import { HealthImplementation, type ServingStatus } from 'grpc-health-check';
import type { Registry } from 'prom-client';
import { GrpcServerTelemetry } from './call-telemetry.js';

export interface GrpcService {
  /** Fully-qualified name, e.g. mini.matcher.v1.Matcher, used for health status. */
  name: string;
  definition: ServiceDefinition;
  implementation: UntypedServiceImplementation;
}

export interface HostedServer {
  server: Server;
  port: number;
  /** Sets the health status of every hosted service (and of the server as a whole, ""). */
  setServing(serving: boolean): void;
  /** Stops accepting calls, lets running ones finish until the deadline, then cancels the rest. */
  shutdown(deadlineMs: number): Promise<void>;
}

const protoRoot = new URL('../../../proto/', import.meta.url).pathname;

/**
 * Starts a gRPC server with the given services plus gRPC health checking and server reflection,
 * so that grpcurl and buf curl work without the .proto files. Every call of the services is traced
 * and counted in the registry.
 */
export async function startGrpcServer(
  services: GrpcService[],
  protoFiles: string[],
  host: string,
  port: number,
  registry: Registry,
  /** Most streams (calls) at once on one client connection; a client's calls past it wait their turn. */
  maxStreamsPerConnection: number,
): Promise<HostedServer> {
  const server = new Server({ 'grpc.keepalive_permit_without_calls': 1, 'grpc.max_concurrent_streams': maxStreamsPerConnection });
  const telemetry = new GrpcServerTelemetry(registry);
  for (const service of services) server.addService(service.definition, telemetry.wrap(service.definition, service.implementation));
  const health = new HealthImplementation({ '': 'NOT_SERVING' });
  health.addToServer(server);
  // keepCase: reflection must describe the fields by their .proto names (device_id, not deviceId).
  // The health proto is left out: proto-loader's descriptor of its map field breaks reflection clients.
  const reflected = loadSync(protoFiles, { includeDirs: [protoRoot], keepCase: true });
  new ReflectionService(reflected).addToServer(server);
  const boundPort = await new Promise<number>((resolve, reject) => {
    server.bindAsync(`${host}:${port}`, ServerCredentials.createInsecure(), (err, bound) =>
      err ? reject(err) : resolve(bound),
    );
  });
  const setServing = (serving: boolean): void => {
    const status: ServingStatus = serving ? 'SERVING' : 'NOT_SERVING';
    health.setStatus('', status);
    for (const service of services) health.setStatus(service.name, status);
  };
  const shutdown = async (deadlineMs: number): Promise<void> => {
    const timer = setTimeout(() => server.forceShutdown(), deadlineMs);
    await new Promise<void>((resolve) => server.tryShutdown(() => resolve()));
    clearTimeout(timer);
  };
  return { server, port: boundPort, setServing, shutdown };
}
