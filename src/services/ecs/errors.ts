// ECS's errors live with the engine that raises most of them (src/engines/containers/errors.ts); the handlers use
// the same classes.
export * from '../../engines/containers/errors.ts';
