/**
 * How the Render room is laid out and how the image is looked at — none of it part of the work:
 * which side panels are open (desktop) or which sheet tab (tablet), split compare and its
 * divider, clipping warnings, and the colour under the pointer. Panel choices persist in
 * localStorage so the room opens as the artist left it.
 */
import { loadStored, saveStored } from './stored';

const STORAGE_KEY = 'atelier.render-view.v1';

/** The sheet's tabs on tablets (on desktop the same panels sit left and right). */
export type SheetTab = 'stack' | 'framing' | 'presets' | 'look' | 'batch' | 'histogram';
export const SHEET_TABS: readonly { id: SheetTab; label: string }[] = [
  { id: 'stack', label: 'Stack' },
  { id: 'framing', label: 'Crop' },
  { id: 'histogram', label: 'Histogram' },
  { id: 'presets', label: 'Presets' },
  { id: 'look', label: 'Learn a look' },
  { id: 'batch', label: 'Batch' },
];

/** Drawing on the image for the framing: the crop rectangle, or a line along the horizon. */
export type Framing = 'crop' | 'level';

/** The colour under the pointer, in the work's own pixel coordinates. */
export interface PickedColour {
  x: number;
  y: number;
  r: number;
  g: number;
  b: number;
}

class RenderRoomView {
  /** Desktop: the stack panel (left) and the tools panel (right). */
  leftOpen = $state(true);
  rightOpen = $state(true);
  /** Tablet: the bottom sheet is open, on this tab. */
  sheetOpen = $state(true);
  tab = $state<SheetTab>('stack');
  /** Split compare: original left of the divider, result right; `split` is 0–1 across. */
  splitOn = $state(false);
  split = $state(0.5);
  showClipping = $state(false);
  /** The white balance picker is on: the next press on the image picks the neutral point. */
  pickingWhite = $state(false);
  /** The layer whose mask a drag on the image draws (null: none). */
  drawingMask = $state<string | null>(null);
  /**
   * The brush a brush mask is painted with: its radius (a fraction of the image's height), its
   * hardness (0 soft … 1 hard) and whether it erases. The brush belongs to the room, not a layer.
   */
  brush = $state({ size: 0.08, hardness: 0.5, erase: false });
  /** A press found the brush mask holding as many strokes as it may. */
  brushFull = $state(false);
  picked = $state<PickedColour | null>(null);
  /** The image is showing the crop to draw, or waits for a line along the horizon. */
  framing = $state<Framing | null>(null);

  constructor() {
    const s = loadStored(STORAGE_KEY);
    if (typeof s.left === 'boolean') this.leftOpen = s.left;
    if (typeof s.right === 'boolean') this.rightOpen = s.right;
    if (typeof s.sheetOpen === 'boolean') this.sheetOpen = s.sheetOpen;
    if (SHEET_TABS.some((t) => t.id === s.tab)) this.tab = s.tab as SheetTab;
  }

  toggleLeft(): void {
    this.leftOpen = !this.leftOpen;
    this.#save();
  }

  toggleRight(): void {
    this.rightOpen = !this.rightOpen;
    this.#save();
  }

  /** Shows `tab` in the sheet; choosing the open tab again folds the sheet away. */
  chooseTab(tab: SheetTab): void {
    if (this.tab === tab && this.sheetOpen) this.sheetOpen = false;
    else {
      this.tab = tab;
      this.sheetOpen = true;
    }
    this.#save();
  }

  toggleSheet(): void {
    this.sheetOpen = !this.sheetOpen;
    this.#save();
  }

  setSplit(fraction: number): void {
    this.split = Math.min(1, Math.max(0, fraction));
  }

  #save(): void {
    saveStored(STORAGE_KEY, {
      left: this.leftOpen,
      right: this.rightOpen,
      sheetOpen: this.sheetOpen,
      tab: this.tab,
    });
  }
}

export const renderView = new RenderRoomView();
