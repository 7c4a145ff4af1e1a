#include "pdf/invoice_pdf.hpp"

namespace imuse {}
