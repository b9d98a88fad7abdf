
app_name = "invitations"

urlpatterns: list = []
