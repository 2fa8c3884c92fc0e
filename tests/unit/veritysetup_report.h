/* What `veritysetup format` (cryptsetup 2.6) prints, which berth reads back (image/derive.c). */
#ifndef BERTH_VERITYSETUP_REPORT_H
#define BERTH_VERITYSETUP_REPORT_H

#define REPORT_ROOTHASH "f3f3c6d665becc3587bb275e8ee160f32eebc9086e923f3d34f1c2c4df359926"
#define REPORT_SALT "fce00227a3f03e7b09454ee5548900c1899c5400c62890d3c97e143e22898012"
#define REPORT_DATA_BLOCKS 10
#define REPORT                                                      \
	"VERITY header information for verity.img\n"                \
	"UUID:            \t11111111-2222-4333-8444-555555555555\n" \
	"Hash type:       \t1\n"                                    \
	"Data blocks:     \t10\n"                                   \
	"Data block size: \t4096\n"                                 \
	"Hash blocks:     \t1\n"                                    \
	"Hash block size: \t4096\n"                                 \
	"Hash algorithm:  \tsha256\n"                               \
	"Salt:            \t" REPORT_SALT "\n"                      \
	"Root hash:      \t" REPORT_ROOTHASH "\n"                   \
	"Hash device size: \t8192 [bytes]\n"

#endif
