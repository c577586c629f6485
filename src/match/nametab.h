/* Internal to the names of src/match/: the script tables (nametab.c) and the Latin keys
 * (namekey.c) that normalise.c and namecmp.c share. */
#ifndef SAFEPATH_MATCH_NAMETAB_H
#define SAFEPATH_MATCH_NAMETAB_H

#include <stdbool.h>
#include <stddef.h>
#include <stdint.h>

/* A letter of Persian or Pashto that Arabic does not use (پ چ ژ گ ک ی, ټ ډ ښ ...): a name
 * part holding one is read the Persian way. */
bool nt_persian_letter(uint32_t c);

/* Before ICU: the Latin that replaces c ("" drops it), or NULL to leave c to ICU. word_start
 * says that no letter precedes c in its word, letters_after how many follow it there,
 * persian that the part holds a Persian or Pashto letter;
 * *skip_next is set when c and the next code point are read together (the Arabic article).
 * A Ge'ez syllable is written into syl (the caller's: no shared state). */
#define NT_SYLLABLE 8
const char *nt_before_icu(uint32_t c, bool word_start, uint32_t next, int letters_after,
			  bool persian, bool *skip_next, char syl[NT_SYLLABLE]);

/* The text folded in its own script: the code point that stands for c (0 drops it). c is
 * already case-folded and decomposed. */
uint32_t nt_inscript(uint32_t c);

/* An apostrophe, a modifier letter for ʿayn or hamza, a backtick or an acute accent alone:
 * removed, so that O'Brien is obrien and ʿAli is ali. */
bool nt_apostrophe(uint32_t c);

/* The words of a folded Latin text without its particles, "abd" names joined to the word
 * after them (and the article between), written into words as NUL-ended strings one after the
 * other (at most cap bytes); the particles go into particles (space-separated). How many
 * words; a text made only of particles keeps them all as words. */
size_t nk_words(const char *folded, char *words, size_t cap, char *particles, size_t pcap);

/* Append the skeleton or the phonetic key of one word to out (cap bytes, NUL-ended, cut at
 * cap - 1). */
void nk_skeleton(const char *word, char *out, size_t cap);
void nk_phonetic(const char *word, char *out, size_t cap);

#endif
