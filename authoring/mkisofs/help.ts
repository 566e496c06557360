/**
 * Usage text and version of discwright's `xorriso -as mkisofs`-compatible builder.
 *
 * The descriptions are discwright's own; the option spellings are those `xorriso -as mkisofs`
 * accepts (see `options.ts` for how each one is parsed).
 * @module
 */

/**
 * The discwright release this code belongs to.
 *
 * @example
 * ```ts
 * console.log(`discwright ${DISCWRIGHT_VERSION}`);
 * ```
 */
export const DISCWRIGHT_VERSION = "0.1.0";

/**
 * The `-version` line: names the dialect first, as `xorriso -as mkisofs -version` does, so that
 * scripts probing for a mkisofs-like tool recognise it.
 *
 * @example
 * ```ts
 * console.log(MKISOFS_VERSION_TEXT); // "mkisofs 2.01-Emulation (discwright 0.1.0)"
 * ```
 */
export const MKISOFS_VERSION_TEXT = `mkisofs 2.01-Emulation (discwright ${DISCWRIGHT_VERSION})`;

/**
 * The `-help` text: every supported option with a one-line description.
 *
 * Long options may also be written with two dashes (`--joliet-long`), as xorriso allows. Options
 * that only exist with two dashes are listed that way.
 *
 * @example
 * ```ts
 * console.error(MKISOFS_HELP);
 * ```
 */
export const MKISOFS_HELP = `Usage: disc build [-as mkisofs] [options] pathspec...
Builds an ISO 9660 image the way "xorriso -as mkisofs" does. Option order matters for
El Torito and -graft-points, as it does with xorriso.

A pathspec is a host file or directory; a directory's contents are merged into the image root.
After -graft-points, "iso/path=host/path" places host/path at iso/path ("\\=" and "\\\\" escape
"=" and "\\" in either part).

Output and messages:
  -o FILE, -output FILE          write the image to FILE ("-" for standard output)
  -print-size                    print the image size in 2048-byte blocks instead of writing it
  -quiet                         report only problems
  -v, -verbose                   report more (repeat for more detail)
  -log-file FILE                 send messages to FILE instead of standard error
  -debug                         show stack traces of failures
  -help                          show this text
  -version                       show the version
  -gui, --no_rc                  accepted for compatibility; no effect

Input files:
  -graft-points                  treat later pathspecs as iso_path=host_path
  -root ISO_DIR                  put every pathspec under ISO_DIR in the image
  -f, -follow-links              store what symbolic links point to instead of the links
  -m GLOB, -exclude GLOB         leave out host files matching GLOB (name, or path if it has "/")
  -x GLOB, -old-exclude GLOB     same as -m
  -exclude-list FILE             read -m patterns from FILE, one per line
  -input-charset utf-8           host file names are UTF-8 (the only character set supported)
  -output-charset utf-8          names in the image are UTF-8 (the only character set supported)
  -cache-inodes                  recorded; xorriso accepts and ignores it
  -no-cache-inodes               recorded; xorriso accepts and ignores it
  -z, -transparent-compression   mark zisofs-compressed files for transparent decompression

File hiding:
  -hide GLOB                     keep matching files out of the ISO 9660 / Rock Ridge tree
  -hide-list FILE                read -hide patterns from FILE
  -hide-joliet GLOB              keep matching files out of the Joliet tree
  -hide-joliet-list FILE         read -hide-joliet patterns from FILE
  -hide-hfsplus GLOB             keep matching files out of the HFS+ tree
  -hide-hfsplus-list FILE        read -hide-hfsplus patterns from FILE
  --boot-catalog-hide            keep the El Torito boot catalog out of all directory trees
  -hide-boot-catalog             the same (an alias some tools use)

Directory trees and naming:
  -R, -rock                      write Rock Ridge (on by default)
  -r, -rational-rock             Rock Ridge with owner 0, read access for all, no write bits
  --norock                       write no Rock Ridge (also revokes -r)
  -J, -joliet                    add a Joliet tree
  -joliet-long                   allow Joliet names of up to 103 characters
  -joliet-utf16                  encode Joliet names as UTF-16 instead of UCS-2
  -iso-level N                   ISO 9660 interchange level 1, 2 or 3; 4 adds an ISO 9660:1999 tree
  -l, -full-iso9660-filenames    allow 31-character ISO 9660 names
  -max-iso9660-filenames         allow 37-character ISO 9660 names (breaks ISO 9660)
  -relaxed-filenames             allow most 7-bit characters in ISO 9660 names (breaks ISO 9660)
  -allow-lowercase               keep lower case in ISO 9660 names (breaks ISO 9660)
  -U, -untranslated-filenames    keep ISO 9660 names nearly as they are (breaks ISO 9660)
  -untranslated_name_len N       keep ISO 9660 names of up to N (0...96) characters unchanged
  -d, -omit-period               no trailing dot on ISO 9660 names without one (breaks ISO 9660)
  -N, -omit-version-number       no ";1" on ISO 9660 names (breaks ISO 9660)
  -L, -allow-leading-dots        keep leading dots in ISO 9660 names (-ldots too)
  -allow-multidot                keep all dots in ISO 9660 names
  -disallow_dir_id_ext           no dots in ISO 9660 directory names
  -D, -disable-deep-relocation   keep deep directories where they are (the default)
  -rr_reloc_dir NAME             move directories deeper than 8 levels into /NAME
  -hide-rr-moved                 same as -rr_reloc_dir .rr_moved
  -file_name_limit N             cut Rock Ridge names longer than N (64...255) bytes

Ownership, permissions and dates:
  -uid ID, -gid ID               owner / group of every file (number or local name)
  -dir-mode MODE                 permissions of every directory (octal "0755" or "a+rx,u+w")
  -file-mode MODE                permissions of every regular file
  -new-dir-mode MODE             permissions of directories made for graft points
  --modification-date=YYYYMMDDhhmmsscc
                                 fixed creation/modification time (UTC) for the volume
  --set_all_file_dates TIME      fixed time stamps for every file ("set_to_mtime" copies mtime)

Volume identifiers:
  -V ID, -volid ID               volume identifier (up to 32 characters)
  -volset ID                     volume set identifier
  -P ID, -publisher ID           publisher identifier
  -p ID, -preparer ID            data preparer identifier
  -A ID, -appid ID               application identifier
  -sysid ID                      system identifier
  -copyright FILE                copyright file name (an ISO 9660 path)
  -abstract FILE                 abstract file name
  -biblio FILE                   bibliographic file name
  --application_use CHAR|0xXY|FILE
                                 content of the 512-byte application use field

Layout and extras:
  -pad                           add 300 KiB of zeros at the end (the default)
  -no-pad                        do not pad
  --emul-toc                     write a second superblock copy for multi-session emulation
  --no-emul-toc                  do not (the default)
  --old-empty                    old-style block addresses for empty files
  --stdio_sync on|off|end|SIZE   recorded; how often output is forced to disk
  -sort FILE                     recorded; xorriso ignores mkisofs sort files
  --sort-weight WEIGHT ISO_PATH  place files under ISO_PATH earlier the higher WEIGHT is
  --sort-weight-list FILE        read "WEIGHT ISO_PATH" lines from FILE
  --sort-weight-patterns FILE    like --sort-weight-list with ISO_PATH as a glob
  --md5                          implant an isomd5sum media check (checkisomd5) in the PVD
  --hardlinks                    record hard link relations
  --acl                          record ACLs
  --xattr                        record user extended attributes
  --xattr-any                    record extended attributes of every namespace
  --for_backup                   --acl, --xattr-any, --md5 and --hardlinks together
  -checksum_algorithm_iso LIST   image checksums to compute (md5,sha1,sha256,sha512 or all)
  -checksum_algorithm_template LIST
                                 template checksums (recorded for jigdo compatibility)

El Torito (boot options apply to the entry being built):
  -b ISO_PATH, -eltorito-boot ISO_PATH
                                 boot image of the current entry, for the platform of
                                 -eltorito-platform (BIOS by default)
  -e ISO_PATH                    boot image of the current entry, for EFI; may be
                                 --interval:appended_partition_N:all:: for an appended partition
  --efi-boot ISO_PATH            a complete EFI entry of its own, without emulation
  --efi-boot-dir DIR             build a FAT EFI image from DIR, add it as /efiboot.img and boot it
                                 like --efi-boot (no mkfs.fat or mtools needed; discwright only)
  -eltorito-alt-boot             finish the current entry and start a new one
  -eltorito-platform ID          platform of later -b entries: x86, PPC, Mac, efi or 0...255
  -no-emul-boot                  the current entry needs no disk emulation
  -hard-disk-boot                the current entry emulates a hard disk
  -no-boot                       mark the current entry as not bootable
  -boot-load-size N|full         512-byte sectors the firmware loads for the current entry
  -boot-info-table               patch the boot information table into the current image
  --grub2-boot-info              patch the image's own address at byte 2548 (GRUB2)
  -eltorito-id TEXT|HEX          identifier of the current entry's section
  -eltorito-selcrit HEX          selection criteria of the current entry
  -c ISO_PATH, -eltorito-catalog ISO_PATH
                                 path of the boot catalog (default /boot.catalog)

System area, partition tables (MBR, GPT, APM):
  -G FILE, -generic-boot FILE, --embedded-boot FILE
                                 copy up to 32 KiB of FILE to the start of the image
  -isohybrid-mbr FILE            ISOLINUX isohybrid MBR from FILE (bootable from USB via BIOS)
  --grub2-mbr FILE               GRUB2 boot_hybrid MBR from FILE, patched with the boot image address
  --protective-msdos-label       an MBR partition covering the image, leaving out block 0
  --mbr-force-bootable           always set an MBR bootable flag
  -partition_offset LBA          start the ISO partition at 2048-byte block LBA (0, or 16 and up)
  -partition_hd_cyl N            MBR geometry: heads per cylinder (0...255)
  -partition_sec_hd N            MBR geometry: sectors per head (0...63)
  -partition_cyl_align MODE      align the image size to cylinders: auto, on, off or all
  -append_partition N TYPE FILE  append FILE as partition N (1...8); TYPE is 0xNN, FAT12,
                                 FAT16, Linux or a GUID
  -appended_part_as_gpt          describe appended partitions in a GPT instead of the MBR
  -appended_part_as_apm          describe appended partitions in the Apple Partition Map too
  -iso_mbr_part_type TYPE        partition type of the ISO partition: 0xNN, 0...255, a GUID
                                 or "default"
  --gpt_disk_guid GUID           GPT disk GUID, "random" or "modification-date"
  -isohybrid-gpt-basdat          list the current boot image in the GPT as Basic Data
  -isohybrid-gpt-hfsplus         list the current boot image in the GPT as HFS+
  -isohybrid-apm-hfsplus         list the current boot image in the Apple Partition Map as HFS+
  -part_like_isohybrid           the three options above work without -isohybrid-mbr
  -efi-boot-part FILE            copy FILE into the image and list it as EFI system partition;
                                 --efi-boot-image uses the first EFI boot image instead
  -prep-boot-part FILE           copy FILE into the image as MBR partition of type 0x41 (PReP)
  -chrp-boot-part, -chrp-boot    an MBR partition of type 0x96 covering the image (CHRP)

HFS+ (parsed; an image with HFS+ is refused by the builder):
  -hfsplus                       add an HFS+ file system
  -hfsplus-serial-no HEX16       HFS+ serial number
  -hfsplus-block-size N          HFS+ allocation block size: 0, 512 or 2048
  -apm-block-size N              Apple Partition Map block size: 0, 512 or 2048
  -hfsplus-file-creator-type CREATOR TYPE ISO_PATH
                                 HFS+ creator and type codes of a file
  -hfs-bless-by BLESSING ISO_PATH
                                 HFS+ blessing p, i, s, 9 or x for a file or directory
  -hfs-bless HOST_DIR            HFS+ blessing ppc_bootdir for the directory from HOST_DIR

Accepted and ignored, as xorriso ignores them:
  -check-oldnames, -no-bak, -nobak, -force-rr, -T, -translation-table, -no-iso-translate,
  -no-split-symlink-components, -no-split-symlink-fields (no argument);
  -check-session, -hide-hfs, -hide-hfs-list, -table-name, -volset-seqno, -volset-size (one argument)

Anything after "--" would be a native xorriso command; those are not supported.
`;
