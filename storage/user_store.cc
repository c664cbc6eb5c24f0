#include "storage/user_store.h"

namespace identity::storage {

bool PostalAddress::empty() const {
  return formatted.empty() && street_address.empty() && locality.empty() &&
         region.empty() && postal_code.empty() && country.empty();
}

bool PostalAddress::operator==(const PostalAddress& other) const {
  return formatted == other.formatted &&
         street_address == other.street_address && locality == other.locality &&
         region == other.region && postal_code == other.postal_code &&
         country == other.country;
}

bool StandardClaims::operator==(const StandardClaims& other) const {
  return given_name == other.given_name && family_name == other.family_name &&
         middle_name == other.middle_name && nickname == other.nickname &&
         profile == other.profile && picture == other.picture &&
         website == other.website && gender == other.gender &&
         birthdate == other.birthdate && zoneinfo == other.zoneinfo &&
         locale == other.locale && phone_number == other.phone_number &&
         phone_number_verified == other.phone_number_verified &&
         address == other.address;
}

bool UserRecord::operator==(const UserRecord& other) const {
  return user_id == other.user_id && username == other.username &&
         password_hash == other.password_hash && name == other.name &&
         email == other.email && email_verified == other.email_verified &&
         claims == other.claims && disabled == other.disabled &&
         created_at == other.created_at && updated_at == other.updated_at &&
         claims_updated_at == other.claims_updated_at;
}

}  // namespace identity::storage
