/**
 * Comlink keeps only `name`, `message` and `stack` of a thrown error. This replaces the
 * serialisation of its `throw` transfer handler with one that also keeps `code` and `details`, so
 * the UI can branch on codes. Import it once in every worker and in every worker client: both
 * sides must agree on the wire format.
 */
import { transferHandlers, type TransferHandler } from 'comlink';
import { deserializeError, serializeError, type SerializedError } from './errors/base';

interface WireThrown {
  isError: boolean;
  value: unknown;
}

// Comlink marks thrown values with a private symbol, so keep its own `canHandle`.
const original = transferHandlers.get('throw') as TransferHandler<unknown, WireThrown>;

transferHandlers.set('throw', {
  canHandle: original.canHandle,
  serialize(thrown) {
    const { value } = thrown as { value: unknown };
    const wire: WireThrown =
      value instanceof Error
        ? { isError: true, value: serializeError(value) }
        : { isError: false, value };
    return [wire, []];
  },
  deserialize(wire) {
    throw wire.isError ? deserializeError(wire.value as SerializedError) : wire.value;
  },
} satisfies TransferHandler<unknown, WireThrown>);
