/* SPDX-License-Identifier: MIT */
/*
 * idn.h - domain and host names as EPP sends them: internationalised names
 * turned into A-labels (IDNA2008, RFC 5890-5893, with the UTS #46 mapping),
 * through libidn2.
 *
 * idn_to_ascii() takes what a caller wrote and gives the name to send, or the
 * reason it cannot be sent:
 *
 *   - U-labels become A-labels: "münchen.example" -> "xn--mnchen-3ya.example".
 *     The UTS #46 mapping (non-transitional: "ß" stays "ß") comes first, so
 *     upper case is folded ("ÖBB.at" -> "xn--bb-eka.at") and the ideographic
 *     full stops (U+3002, U+FF0E, U+FF61) separate labels like ".".
 *   - Names in ASCII are lower-cased and otherwise sent as written. EPP names
 *     are case-insensitive (RFC 5731 3.1 / RFC 1035 2.3.3) and registries
 *     store and answer in lower case; an A-label is lower case (RFC 5890
 *     2.3.2.1: "XN--" is matched case-insensitively, "xn--" is its form).
 *   - Every label that starts with "xn--", given or made, must be a valid
 *     A-label under the registration rules of RFC 5891 4.2: it decodes, its
 *     U-label passes RFC 5892 (the CONTEXTJ and CONTEXTO rules included,
 *     which lookup alone skips) and RFC 5893 (bidi), and encodes back to the
 *     same A-label.
 *   - Refused: an empty name or label ("a..b", ".a"), a final dot (the root's
 *     dot is not part of an EPP name; it is refused rather than cut so that
 *     the caller sees what would be sent), a label over 63 octets or a name
 *     over 253 octets, both counted in A-label form (RFC 1035 2.3.4, RFC 5890
 *     2.3.2.1), a character other than letters, digits and hyphens in any
 *     label (spaces, "_", "*": RFC 5891 4.2.3 / RFC 1123 2.1), a hyphen at the
 *     start or end of a label, "--" in the third and fourth positions of a
 *     label other than an A-label (RFC 5891 4.2.3.1), and whatever IDNA2008
 *     disallows: code points RFC 5892 makes DISALLOWED or UNASSIGNED, a
 *     leading combining mark, joiners and context characters outside their
 *     rules, right-to-left labels that break the bidi rule.
 *
 * Scripts mixed inside a label (Latin with Cyrillic, say) are not an IDNA2008
 * rule: they are each registry's policy (its IDN tables) and the registry
 * answers for them.
 */
#ifndef EG_IDN_H
#define EG_IDN_H

#include <stddef.h>

#include "err.h"

#define IDN_NAME_MAX  253        /* octets of a name (A-label form, no final dot) */
#define IDN_LABEL_MAX 63         /* octets of a label */
#define IDN_INPUT_MAX 1024       /* bytes of input looked at; longer is refused as too long */

/*
 * The name to send for the UTF-8 text in (NUL-terminated), into out (at least
 * IDN_NAME_MAX + 1 bytes). 0, or -1 with err EG_EREQUEST and a message that
 * is the reason alone, for the caller to put after the argument's name:
 * "label 'x♥y' holds U+2665, which IDNA2008 does not allow (RFC 5892)".
 * EG_ENOMEM when libidn2 cannot allocate.
 */
int idn_to_ascii(const char *in, char out[IDN_NAME_MAX + 1], struct eg_err *err);

/*
 * 1 when label[0..len) is an LDH label a registry takes as it is: lower-case
 * letters, digits and hyphens, 1-63 octets, no hyphen first or last, "--" in
 * the third and fourth positions only as a valid A-label "xn--..." (the
 * checks above). 0 otherwise. For the simulator, which, like a registry,
 * accepts names in A-label form only.
 */
int idn_label_ok(const char *label, size_t len);

#endif
