#include "CHDF5.h"

hid_t chdf5_native_uint8(void) { return H5T_NATIVE_UINT8; }
hid_t chdf5_native_int32(void) { return H5T_NATIVE_INT32; }
hid_t chdf5_native_int64(void) { return H5T_NATIVE_INT64; }
hid_t chdf5_native_float(void) { return H5T_NATIVE_FLOAT; }
hid_t chdf5_native_double(void) { return H5T_NATIVE_DOUBLE; }
hid_t chdf5_c_s1(void) { return H5T_C_S1; }
hid_t chdf5_dataset_create_plist(void) { return H5P_DATASET_CREATE; }
hid_t chdf5_link_create_plist(void) { return H5P_LINK_CREATE; }
unsigned chdf5_acc_trunc(void) { return H5F_ACC_TRUNC; }
unsigned chdf5_acc_excl(void) { return H5F_ACC_EXCL; }
unsigned chdf5_acc_rdonly(void) { return H5F_ACC_RDONLY; }
unsigned chdf5_acc_rdwr(void) { return H5F_ACC_RDWR; }
hsize_t chdf5_unlimited(void) { return H5S_UNLIMITED; }
size_t chdf5_variable(void) { return H5T_VARIABLE; }
hid_t chdf5_file_access_plist(void) { return H5P_FILE_ACCESS; }
hid_t chdf5_dataset_access_plist(void) { return H5P_DATASET_ACCESS; }
haddr_t chdf5_undefined_address(void) { return HADDR_UNDEF; }
hid_t chdf5_sec2_driver(void) { return H5FD_SEC2; }
