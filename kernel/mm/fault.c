/*
 * The page-fault handler for user addresses. The image, heap and stack are
 * mapped eagerly; mmap()ed memory is faulted in here on first touch (lab
 * mixedmap adds file and device pages and copy-on-write).
 */
#include "fault.h"
#include "vm.h"
#include "mmap.h"
#include "uapi/errno.h"

int handle_mm_fault(struct mm_struct *mm, uint64_t va, enum fault_access access)
{
	/* Outside every mapping (image, heap and stack are mapped eagerly):
	 * a bad access. */
	return vma_fault(mm, va, access);
}
