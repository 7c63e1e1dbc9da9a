export { cbor } from './cbor-serializer.js';
/** The name a codec package exports its serializer under. */
export { cbor as serializer } from './cbor-serializer.js';
