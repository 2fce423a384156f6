/** Which room is open, kept in the URL hash so deep links and reloads work offline. */
export const ROOMS = [
  { id: 'library', label: 'Library' },
  { id: 'render', label: 'Render' },
  { id: 'write', label: 'Write' },
  { id: 'insights', label: 'Insights' },
  { id: 'register', label: 'Register' },
] as const;

export type RoomId = (typeof ROOMS)[number]['id'];

export function roomFromHash(hash: string): RoomId {
  const id = hash.replace(/^#\/?/, '').split(/[/?]/)[0];
  return ROOMS.find((r) => r.id === id)?.id ?? 'library';
}

class Router {
  room = $state<RoomId>(roomFromHash(globalThis.location?.hash ?? ''));

  constructor() {
    globalThis.addEventListener?.('hashchange', () => {
      this.room = roomFromHash(location.hash);
    });
  }

  go(room: RoomId): void {
    if (location.hash !== `#/${room}`) location.hash = `#/${room}`;
    this.room = room;
  }
}

export const router = new Router();
