/**
 * Whether a run trains one DP teacher per control code (code-teachers.ts) or one for all: the one
 * rule the pipeline, the run-time estimate and the logs share. Pure (no TF.js), so the estimate can
 * use it before any model is trained.
 */

/** Most bytes the per-code teachers and their average may hold together before a run falls back to one teacher. */
export const PER_CODE_TEACHERS_MAX_BYTES = 1.5 * 2 ** 30;

/** Bytes of float32 weights of `codes` + 1 teachers of `teacherParameters` weights each (the parts and their average). */
export function perCodeTeacherBytes(teacherParameters: number, codes: number): number {
  return (codes + 1) * teacherParameters * 4;
}

/**
 * True when the run trains a teacher per code: asked for ('per-code'), two or more codes, and the
 * teachers fit PER_CODE_TEACHERS_MAX_BYTES. Otherwise one teacher writes every code (no guidance
 * against an average, no 'distinct' selection).
 */
export function usesPerCodeTeachers(
  choice: 'per-code' | 'joint',
  codes: number,
  teacherParameters: number,
): boolean {
  return (
    choice === 'per-code' &&
    codes >= 2 &&
    perCodeTeacherBytes(teacherParameters, codes) <= PER_CODE_TEACHERS_MAX_BYTES
  );
}
