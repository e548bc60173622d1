/* common/banned.h: functions that are too easy to misuse (as git's banned.h).
 * Included by common/common.h, so every module gets it. */
#ifndef VZ_COMMON_BANNED_H
#define VZ_COMMON_BANNED_H

#define VZ_BANNED(func) sorry_##func##_is_a_banned_function

#undef strcpy
#define strcpy(x, y) VZ_BANNED(strcpy)
#undef strcat
#define strcat(x, y) VZ_BANNED(strcat)
#undef sprintf
#define sprintf(...) VZ_BANNED(sprintf)
#undef vsprintf
#define vsprintf(...) VZ_BANNED(vsprintf)
#undef strtok
#define strtok(x, y) VZ_BANNED(strtok)
#undef gets
#define gets(x) VZ_BANNED(gets)

#endif
