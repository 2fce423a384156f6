/** What every parameter control is given: the layer and effect it edits, its definition and value. */
export interface ParamProps<Def, Value> {
  layerId: string;
  effectName: string;
  def: Def;
  value: Value;
}
