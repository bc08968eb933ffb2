/** A growable set of non-negative integers (sequence numbers), one bit each: 10 M messages take 1.25 MB. */
export class SeqBitset {
  private words: Uint32Array = new Uint32Array(1024);
  private size = 0;

  /** Adds seq; returns false when it was already present. */
  add(seq: number): boolean {
    const word = seq >>> 5;
    if (word >= this.words.length) this.grow(word);
    const bit = 1 << (seq & 31);
    if (this.words[word]! & bit) return false;
    this.words[word]! |= bit;
    this.size++;
    return true;
  }

  /** Adds first .. first+count-1, a word at a time; returns how many of them were not present. */
  addRange(first: number, count: number): number {
    if (count <= 0) return 0;
    const last = first + count - 1;
    const firstWord = first >>> 5;
    const lastWord = last >>> 5;
    if (lastWord >= this.words.length) this.grow(lastWord);
    let added = 0;
    for (let w = firstWord; w <= lastWord; w++) {
      const low = w === firstWord ? first & 31 : 0;
      const high = w === lastWord ? last & 31 : 31;
      const mask = high - low === 31 ? 0xffff_ffff : (((1 << (high - low + 1)) - 1) << low) >>> 0;
      const old = this.words[w] ?? 0;
      added += bitCount((mask & ~old) >>> 0);
      this.words[w] = old | mask;
    }
    this.size += added;
    return added;
  }

  has(seq: number): boolean {
    const word = seq >>> 5;
    return word < this.words.length && (this.words[word]! & (1 << (seq & 31))) !== 0;
  }

  get count(): number {
    return this.size;
  }

  /** How many members of `this` are missing from `other`. */
  countMissingFrom(other: SeqBitset): number {
    let missing = 0;
    for (let w = 0; w < this.words.length; w++) {
      let bits = this.words[w]! & ~(w < other.words.length ? other.words[w]! : 0);
      while (bits) {
        bits &= bits - 1;
        missing++;
      }
    }
    return missing;
  }

  /** First few members of `this` missing from `other`, for error messages. */
  firstMissingFrom(other: SeqBitset, limit: number): number[] {
    const out: number[] = [];
    for (let w = 0; w < this.words.length && out.length < limit; w++) {
      const bits = this.words[w]! & ~(w < other.words.length ? other.words[w]! : 0);
      for (let b = 0; b < 32 && bits && out.length < limit; b++) if (bits & (1 << b)) out.push(w * 32 + b);
    }
    return out;
  }

  /** Plain data for postMessage between worker threads. */
  toTransfer(): { words: Uint32Array; size: number } {
    return { words: this.words, size: this.size };
  }

  static fromTransfer(data: { words: Uint32Array; size: number }): SeqBitset {
    const set = new SeqBitset();
    set.words = data.words;
    set.size = data.size;
    return set;
  }

  private grow(word: number): void {
    let length = this.words.length;
    while (length <= word) length *= 2;
    const next = new Uint32Array(length);
    next.set(this.words);
    this.words = next;
  }
}

function bitCount(n: number): number {
  n = n - ((n >>> 1) & 0x5555_5555);
  n = (n & 0x3333_3333) + ((n >>> 2) & 0x3333_3333);
  return (Math.imul((n + (n >>> 4)) & 0x0f0f_0f0f, 0x0101_0101) >>> 24) & 0xff;
}
