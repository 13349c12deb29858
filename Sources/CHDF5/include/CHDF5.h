// Thin shim over the serial HDF5 build. Swift cannot import the H5T_NATIVE_* and other
// macros that call H5open(); these one-line functions return their values.
#ifndef CHDF5_H
#define CHDF5_H
#include <hdf5/serial/hdf5.h>

hid_t chdf5_native_uint8(void);
hid_t chdf5_native_int32(void);
hid_t chdf5_native_int64(void);
hid_t chdf5_native_float(void);
hid_t chdf5_native_double(void);
hid_t chdf5_c_s1(void);
hid_t chdf5_dataset_create_plist(void);
hid_t chdf5_link_create_plist(void);
unsigned chdf5_acc_trunc(void);
unsigned chdf5_acc_excl(void);
unsigned chdf5_acc_rdonly(void);
unsigned chdf5_acc_rdwr(void);
hsize_t chdf5_unlimited(void);
size_t chdf5_variable(void);
hid_t chdf5_file_access_plist(void);
hid_t chdf5_dataset_access_plist(void);
haddr_t chdf5_undefined_address(void);
hid_t chdf5_sec2_driver(void);
#endif
