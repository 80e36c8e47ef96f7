/** A Pong field in the simulation's integer units. */
export interface FieldGeometry {
  widthUnits: number;
  heightUnits: number;
  paddleHeightUnits: number;
  /** Distance from a goal line to the face of that side's paddle. */
  paddleFaceInsetUnits: number;
}

/**
 * The default field, shared by the room server (which plays on it) and clients (which draw it:
 * snapshots carry positions, not the geometry).
 */
export const pongField: Readonly<FieldGeometry> = {
  widthUnits: 1_000_000,
  heightUnits: 600_000,
  paddleHeightUnits: 120_000,
  paddleFaceInsetUnits: 45_000,
};
