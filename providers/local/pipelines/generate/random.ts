/**
 * Seeded standard normal numbers: xoshiro128** (Blackman & Vigna 2018, "Scrambled Linear Pseudorandom Number
 * Generators", arXiv:1805.01407) seeded through SplitMix32, turned into N(0, 1) by the Box–Muller transform. Plain
 * 32-bit integer arithmetic and `Math` functions, so one seed gives the same numbers in every run of this code.
 * (It is not torch's generator: the same seed does not give diffusers' image.)
 */
export interface SeededNormal {
  next(): number;
  /** `count` numbers into a new array. */
  fill(count: number): Float32Array;
}

function splitMix32(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x9e3779b9) >>> 0;
    let z = state;
    z = Math.imul(z ^ (z >>> 16), 0x85ebca6b) >>> 0;
    z = Math.imul(z ^ (z >>> 13), 0xc2b2ae35) >>> 0;
    return (z ^ (z >>> 16)) >>> 0;
  };
}

export function seededNormal(seed: number): SeededNormal {
  const init = splitMix32(seed);
  const s = Uint32Array.of(init(), init(), init(), init());
  const rotl = (x: number, k: number) => ((x << k) | (x >>> (32 - k))) >>> 0;
  const nextUint = () => {
    const result = Math.imul(rotl(Math.imul(s[1]!, 5) >>> 0, 7), 9) >>> 0;
    const t = (s[1]! << 9) >>> 0;
    s[2]! ^= s[0]!;
    s[3]! ^= s[1]!;
    s[1]! ^= s[2]!;
    s[0]! ^= s[3]!;
    s[2]! ^= t;
    s[3] = rotl(s[3]!, 11);
    return result;
  };
  // A uniform in (0, 1]: never 0, so the logarithm is finite.
  const uniform = () => (nextUint() + 1) / 4294967296;
  let spare: number | undefined;
  const next = () => {
    if (spare !== undefined) {
      const value = spare;
      spare = undefined;
      return value;
    }
    const radius = Math.sqrt(-2 * Math.log(uniform()));
    const angle = 2 * Math.PI * uniform();
    spare = radius * Math.sin(angle);
    return radius * Math.cos(angle);
  };
  return {
    next,
    fill(count) {
      const values = new Float32Array(count);
      for (let i = 0; i < count; i++) values[i] = next();
      return values;
    },
  };
}
