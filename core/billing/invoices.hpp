#pragma once
// invoices generate / simulate / check / list / show on the database.

namespace imuse {}
