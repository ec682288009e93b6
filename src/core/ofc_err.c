/* ofc_err: tables behind ofc_err_str()/ofc_err_name() and the rejection reason labels. */
#include "ofc_err.h"

static const char *const err_desc[] = {
#define OFC_ERR_DESC(name, desc) desc,
    OFC_ERR_LIST(OFC_ERR_DESC)
#undef OFC_ERR_DESC
};

static const char *const err_names[] = {
#define OFC_ERR_NAME(name, desc) "OFC_ERR_" #name,
    OFC_ERR_LIST(OFC_ERR_NAME)
#undef OFC_ERR_NAME
};

static const char *const reject_labels[] = {
#define OFC_REJECT_LABEL(name, label, desc) label,
    OFC_REJECT_LIST(OFC_REJECT_LABEL)
#undef OFC_REJECT_LABEL
};

static const char *const reject_desc[] = {
#define OFC_REJECT_DESC(name, label, desc) desc,
    OFC_REJECT_LIST(OFC_REJECT_DESC)
#undef OFC_REJECT_DESC
};

const char *ofc_err_str(ofc_err err)
{
    if ((unsigned)err >= OFC_ERR__COUNT)
        return "unknown error";
    return err_desc[err];
}

const char *ofc_err_name(ofc_err err)
{
    if ((unsigned)err >= OFC_ERR__COUNT)
        return "OFC_ERR_UNKNOWN";
    return err_names[err];
}

const char *ofc_reject_name(ofc_reject reason)
{
    if ((unsigned)reason >= OFC_REJECT__COUNT)
        return "unknown";
    return reject_labels[reason];
}

const char *ofc_reject_str(ofc_reject reason)
{
    if ((unsigned)reason >= OFC_REJECT__COUNT)
        return "unknown rejection reason";
    return reject_desc[reason];
}
