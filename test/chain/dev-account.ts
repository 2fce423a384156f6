/**
 * Anvil's well-known development accounts as viem local accounts, for tests that sign without a
 * node (EIP-712 registrations in exports and backups). Test-only: it holds private keys, so tests
 * under src/ import it from here and never handle a key themselves.
 */
import type { PrivateKeyAccount } from 'viem';
import { privateKeyToAccount } from 'viem/accounts';
import { ANVIL_KEYS } from './anvil';

/** The i-th anvil development account (0 by default). */
export function devAccount(i = 0): PrivateKeyAccount {
  const key = ANVIL_KEYS[i];
  if (!key) throw new Error(`anvil has no development key ${i}`);
  return privateKeyToAccount(key);
}
